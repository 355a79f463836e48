import type { Command } from '../framework';
import { foundationCommands } from './foundation';

/** Every CLI command; domains add their list here. */
export const commands: Command[] = [...foundationCommands];
