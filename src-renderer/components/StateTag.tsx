import type { ReactNode } from 'react';
import { Tag } from 'antd';
import { TONE_COLOR, toneOf, type Tone } from './tones';

export { TONE_COLOR, toneColors, toneOf, type Tone } from './tones';

/** A state as a coloured tag in the one scheme of components/tones.ts. */
export function StateTag({ tone, state, children, testId }: { tone?: Tone; state?: string; children: ReactNode; testId?: string }) {
  const shown = tone ?? (state ? toneOf(state) : 'default');
  return (
    <Tag color={TONE_COLOR[shown]} data-testid={testId} data-tone={shown}>
      {children}
    </Tag>
  );
}
