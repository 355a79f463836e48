import { Typography } from 'antd';

/**
 * A sentence with a command or code in it (`{command}` in the dictionary text): it is shown as
 * code, the same in every language, because the operator types or reads it as it stands.
 */
export function CommandText({ text, command }: { text: string; command: string }) {
  const [before, after = ''] = text.split('{command}');
  return (
    <>
      {before}
      <Typography.Text code>{command}</Typography.Text>
      {after}
    </>
  );
}
