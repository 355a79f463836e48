import { Typography } from 'antd';

/**
 * A reference in a table cell — a gateway's trade number, a bill row, a ledger key: on one line,
 * cut with … where the column is narrower, the whole text on hover and a copy button. Never
 * wrapped one character per line in a narrow column (issue 16).
 */
export function RefText({ text, maxWidth = 180, testId }: { text: string | null | undefined; maxWidth?: number; testId?: string }) {
  if (!text) return null;
  return (
    <Typography.Text
      code
      copyable={{ text }}
      ellipsis={{ tooltip: text }}
      style={{ maxWidth, display: 'inline-block', verticalAlign: 'middle', fontSize: 12 }}
      data-testid={testId}
    >
      {text}
    </Typography.Text>
  );
}
