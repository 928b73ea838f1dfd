import type { Command } from '../command.js';

// Placeholder until the leak detector lands (issue 6).
export const analyze: Command = {
  name: 'analyze',
  summary: 'replay a trace CSV through the leak detector',
  usage: 'vigil analyze FILE.csv [--json]',
  async run(_args, io) {
    io.err('vigil analyze: not implemented yet\n');
    return 2;
  },
};
