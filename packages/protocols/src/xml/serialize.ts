import { escapeXml, escapeXmlAttr } from './escape.js';
import { isElement, type XmlNode } from './tree.js';

/**
 * Writes parsed nodes back out. Used where a peer put markup inside a text field (SyncML
 * `Data` holding an unescaped document); prefixes were stripped on parse, so the output is
 * the structure, not the original bytes.
 */
export function serializeNodes(nodes: readonly XmlNode[]): string {
  let out = '';
  const stack: Array<{ nodes: readonly XmlNode[]; index: number; close?: string }> = [{ nodes, index: 0 }];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    if (frame.index >= frame.nodes.length) {
      stack.pop();
      if (frame.close) out += frame.close;
      continue;
    }
    const node = frame.nodes[frame.index++];
    if (!isElement(node)) {
      out += escapeXml(node.text);
      continue;
    }
    let open = `<${node.name}`;
    for (const [k, v] of Object.entries(node.attrs)) open += ` ${k}="${escapeXmlAttr(v)}"`;
    if (node.children.length === 0) {
      out += `${open}/>`;
      continue;
    }
    out += `${open}>`;
    stack.push({ nodes: node.children, index: 0, close: `</${node.name}>` });
  }
  return out;
}
