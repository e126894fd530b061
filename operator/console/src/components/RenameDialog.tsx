/**
 * Asks for a device's new name and is itself the rename's confirmation. The name is checked as
 * management checks it while it is typed; if management still refuses, its Graph message is
 * shown here and the dialog stays open so the name can be corrected.
 */
import { useEffect, useState } from 'react';
import { Button, Dialog, DialogActions, DialogBody, DialogContent, DialogSurface, DialogTitle, Field, Input } from '@fluentui/react-components';
import { describeError } from '../graph/errors.js';
import { deviceNameProblem, MAX_DEVICE_NAME } from '../views/device-name.js';

export function RenameDialog({ open, current, note, onRename, onCancel }: { open: boolean; current: string; note: string; onRename(name: string): Promise<void>; onCancel(): void }) {
  const [name, setName] = useState('');
  const [refused, setRefused] = useState<unknown>();
  const [sending, setSending] = useState(false);
  // Each opening starts from a blank field, not from the last attempt.
  useEffect(() => {
    if (!open) return;
    setName('');
    setRefused(undefined);
  }, [open]);
  const problem = name === '' ? undefined : deviceNameProblem(name);
  const refusal = refused === undefined ? undefined : describeError(refused);

  const submit = async () => {
    if (deviceNameProblem(name)) return;
    setSending(true);
    setRefused(undefined);
    try {
      await onRename(name);
    } catch (e) {
      setRefused(e);
    } finally {
      setSending(false);
    }
  };

  return (
    <Dialog open={open} onOpenChange={(_e, data) => (data.open ? undefined : onCancel())}>
      <DialogSurface aria-label={`Rename ${current}`}>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <DialogBody>
            <DialogTitle>Rename {current}?</DialogTitle>
            <DialogContent className="stack">
              <p>{note}</p>
              <Field
                label="New device name"
                hint={`At most ${MAX_DEVICE_NAME} letters, digits or hyphens, not digits alone.`}
                validationState={problem || refusal ? 'error' : 'none'}
                validationMessage={problem ?? (refusal ? `${refusal.code}: ${refusal.message}` : undefined)}
              >
                <Input value={name} onChange={(_e, data) => setName(data.value)} autoComplete="off" spellCheck={false} />
              </Field>
            </DialogContent>
            <DialogActions>
              <Button appearance="secondary" onClick={onCancel}>
                Cancel
              </Button>
              <Button appearance="primary" type="submit" disabled={sending || deviceNameProblem(name) !== undefined}>
                Rename
              </Button>
            </DialogActions>
          </DialogBody>
        </form>
      </DialogSurface>
    </Dialog>
  );
}
