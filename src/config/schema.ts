// TEMPORARY minimal schema so the daemon builds; replaced by the full schema from the config branch.
import { z } from 'zod';

const dur = (d: number) => z.number().default(d);
export const serviceSchema = z.strictObject({
  command: z.union([z.string(), z.array(z.string()).min(1)]),
  cwd: z.string().optional(),
  env: z.record(z.string(), z.string()).optional(),
  env_file: z.string().optional(),
  user: z.string().optional(),
  group: z.string().optional(),
  restart: z.enum(['always', 'on-failure', 'never']).default('always'),
  backoff: z
    .strictObject({ initial: dur(1000), max: dur(300000), reset: dur(60000) })
    .default({ initial: 1000, max: 300000, reset: 60000 }),
  max_restarts: z.object({ count: z.number(), window_ms: z.number() }).optional(),
  min_uptime: dur(1000),
  stop_signal: z
    .enum(['SIGTERM', 'SIGINT', 'SIGQUIT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGKILL'])
    .default('SIGTERM'),
  stop_grace: dur(10000),
  pre_stop: z.union([z.string(), z.array(z.string())]).optional(),
  pre_stop_timeout: dur(30000),
  limits: z
    .strictObject({
      nofile: z.object({ soft: z.number(), hard: z.number().optional() }).optional(),
      memory: z.number().optional(),
      memory_restart: z.number().default(0.9),
      tasks: z.number().optional(),
    })
    .default({ memory_restart: 0.9 }),
  sample_interval: z.number().optional(),
  autostart: z.boolean().default(true),
});
export type ServiceConfig = z.infer<typeof serviceSchema>;
export type ServiceInput = z.input<typeof serviceSchema>;
export const configSchema = z.strictObject({
  version: z.literal(1).optional(),
  daemon: z.strictObject({ sample_interval: dur(5000), max_concurrent: z.number().optional() }).optional(),
  services: z.record(z.string(), serviceSchema),
});
export type VigilConfig = z.infer<typeof configSchema>;

/** Splits a command line shell-like without a shell (temporary: whitespace only). */
export function splitCommand(s: string): string[] {
  return s.trim().split(/\s+/);
}
