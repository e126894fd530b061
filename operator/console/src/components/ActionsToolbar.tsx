/**
 * The device page's remote actions: the routine ones first, then, behind a divider, the ones
 * that take the device out of use (retire, wipe), set apart so they are not pressed by mistake.
 */
import { Button, Toolbar, ToolbarDivider, ToolbarGroup } from '@fluentui/react-components';
import { REMOTE_ACTIONS, type RemoteAction } from '../views/actions.js';

export function ActionsToolbar({ onAction, onRename }: { onAction(action: RemoteAction): void; onRename(): void }) {
  const button = (a: RemoteAction) => (
    <Button key={a.id} onClick={() => onAction(a)}>
      {a.label}
    </Button>
  );
  return (
    <Toolbar aria-label="Remote actions" className="actions">
      <ToolbarGroup aria-label="Routine actions" className="actions-group">
        {REMOTE_ACTIONS.filter((a) => !a.destructive).map(button)}
        <Button onClick={onRename}>
          Rename
        </Button>
      </ToolbarGroup>
      <ToolbarDivider />
      <ToolbarGroup aria-label="Actions that take the device out of use" className="actions-group">
        {REMOTE_ACTIONS.filter((a) => a.destructive).map(button)}
      </ToolbarGroup>
    </Toolbar>
  );
}
