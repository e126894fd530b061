/** A namespace-stripped XML element with children in document order. */
export interface XmlElement {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XmlNode[];
}

/** Character data; entities already resolved, CDATA merged in verbatim. */
export interface XmlText {
  readonly text: string;
}

export type XmlNode = XmlElement | XmlText;

export function isElement(node: XmlNode): node is XmlElement {
  return (node as XmlElement).name !== undefined;
}

export function elements(parent: XmlElement, name?: string): XmlElement[] {
  const out: XmlElement[] = [];
  for (const node of parent.children) {
    if (isElement(node) && (name === undefined || node.name === name)) out.push(node);
  }
  return out;
}

export function child(parent: XmlElement | undefined, name: string): XmlElement | undefined {
  if (!parent) return undefined;
  for (const node of parent.children) {
    if (isElement(node) && node.name === name) return node;
  }
  return undefined;
}

/** Follows a chain of first-matching children: `path(env, 'Header', 'To')`. */
export function path(start: XmlElement | undefined, ...names: string[]): XmlElement | undefined {
  let cur = start;
  for (const name of names) cur = child(cur, name);
  return cur;
}

/** Concatenated text directly under the element, untrimmed. */
export function textOf(element: XmlElement): string {
  let out = '';
  for (const node of element.children) if (!isElement(node)) out += node.text;
  return out;
}

/** Trimmed text of a child, or undefined when the child is absent. */
export function childText(parent: XmlElement | undefined, ...names: string[]): string | undefined {
  const found = path(parent, ...names);
  return found ? textOf(found).trim() : undefined;
}

export function attr(element: XmlElement | undefined, name: string): string | undefined {
  if (!element) return undefined;
  return Object.prototype.hasOwnProperty.call(element.attrs, name) ? element.attrs[name] : undefined;
}
