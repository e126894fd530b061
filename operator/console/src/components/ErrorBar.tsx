/** A Graph error as the service said it: its code and its message. */
import { MessageBar, MessageBarBody, MessageBarTitle } from '@fluentui/react-components';
import { describeError } from '../graph/errors.js';

export function ErrorBar({ error }: { error: unknown }) {
  if (error === undefined || error === null) return null;
  const { code, message } = describeError(error);
  return (
    <MessageBar intent="error" role="alert">
      <MessageBarBody>
        <MessageBarTitle>{code}</MessageBarTitle>
        {message}
      </MessageBarBody>
    </MessageBar>
  );
}
