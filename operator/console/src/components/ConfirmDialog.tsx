/** Asks before a remote action that a device cannot undo. */
import { Button, Dialog, DialogActions, DialogBody, DialogContent, DialogSurface, DialogTitle } from '@fluentui/react-components';

export function ConfirmDialog({ open, title, text, confirm, onConfirm, onCancel }: { open: boolean; title: string; text: string; confirm: string; onConfirm(): void; onCancel(): void }) {
  return (
    <Dialog open={open} modalType="alert" onOpenChange={(_e, data) => (data.open ? undefined : onCancel())}>
      <DialogSurface aria-label={title}>
        <DialogBody>
          <DialogTitle>{title}</DialogTitle>
          <DialogContent>{text}</DialogContent>
          <DialogActions>
            <Button appearance="secondary" onClick={onCancel}>
              Cancel
            </Button>
            <Button appearance="primary" onClick={onConfirm}>
              {confirm}
            </Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
