/**
 * A secret shown for copying: a read-only monospace field (so it can be selected whole and read
 * group by group) with a Copy button. The clipboard may be refused (no permission, an insecure
 * context); then the field stays selectable and the refusal is said, not hidden.
 */
import { useState } from 'react';
import { Button, Input } from '@fluentui/react-components';

export function CopyableText({ value, label }: { value: string; label: string }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const copy = () => {
    navigator.clipboard.writeText(value).then(
      () => setCopied('yes'),
      () => setCopied('failed'),
    );
  };
  return (
    <span className="copyable">
      <Input readOnly value={value} aria-label={label} className="mono" size="small" onFocus={(e) => e.currentTarget.select()} />
      <Button size="small" onClick={copy} aria-label={`Copy ${label.toLowerCase()}`}>
        Copy
      </Button>
      <span role="status">{copied === 'yes' ? 'Copied' : copied === 'failed' ? 'Copy refused; select the text instead' : ''}</span>
    </span>
  );
}
