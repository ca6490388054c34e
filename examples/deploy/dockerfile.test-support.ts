import { execFile } from 'node:child_process';
import { cp, mkdir } from 'node:fs/promises';
import { isAbsolute, join, posix } from 'node:path';
import { promisify } from 'node:util';
import { DockerfileParser, type Copy, type Env, type Healthcheck } from 'dockerfile-ast';

/**
 * A Dockerfile read with dockerfile-ast, and built without Docker (no daemon runs where the tests
 * run): each stage gets a folder standing in for its file system, WORKDIR and COPY act inside it,
 * and RUN steps run there with the stage's ENV. Only what our Dockerfile uses is understood; any
 * other instruction fails the reading, so the stand-in never silently skips a step.
 */
export interface Stage {
  name: string;
  base: string;
  /** The stage's folder: its `/`. */
  root: string;
  /** ENV as it stands at the end of the stage. */
  env: Record<string, string>;
  workdir: string;
  user?: string;
  cmd?: string[];
  healthcheck?: { flags: Record<string, string>; command: string[] };
  expose: string[];
  volumes: string[];
  stopSignal?: string;
  /** WORKDIR, COPY and RUN, in file order: what building the stage does. */
  steps: Step[];
}

export type Step =
  | { kind: 'workdir'; path: string }
  | { kind: 'copy'; from?: string; sources: string[]; dest: string; intoFolder: boolean }
  | { kind: 'run'; command: string; workdir: string; env: Record<string, string> };

const run = promisify(execFile);

/** The value after HEALTHCHECK's flags: `CMD ["exec", "form"]`, as an array. */
function healthcheckCommand(instruction: Healthcheck): string[] {
  const text = instruction.getArgumentsContent() ?? '';
  const json = /\bCMD\s+(\[[\s\S]*\])\s*$/.exec(text)?.[1];
  if (!json) throw new Error(`HEALTHCHECK must use CMD in exec form: ${text}`);
  return JSON.parse(json) as string[];
}

const flagsOf = (instruction: { getFlags(): { getName(): string; getValue(): string | null }[] }) =>
  Object.fromEntries(instruction.getFlags().map((flag) => [flag.getName(), flag.getValue() ?? '']));

/** The stages of `text`; `root` is where `buildStages` puts each, under `buildDir`. */
export function readDockerfile(text: string, buildDir: string): Stage[] {
  const stages: Stage[] = [];
  const current = () => {
    const stage = stages.at(-1);
    if (!stage) throw new Error('an instruction before FROM');
    return stage;
  };
  for (const instruction of DockerfileParser.parse(text).getInstructions()) {
    const keyword = instruction.getKeyword();
    const args = instruction.getArguments().map((a) => a.getValue());
    switch (keyword) {
      case 'FROM': {
        const [base, as, name] = args;
        if (!base || as?.toUpperCase() !== 'AS' || !name) throw new Error(`FROM must name its stage: ${args.join(' ')}`);
        stages.push({ name, base, root: join(buildDir, name), env: {}, workdir: '/', expose: [], volumes: [], steps: [] });
        break;
      }
      case 'ENV':
        for (const property of (instruction as Env).getProperties()) current().env[property.getName()] = property.getValue() ?? '';
        break;
      case 'WORKDIR':
        current().workdir = posix.resolve(current().workdir, args[0]!);
        current().steps.push({ kind: 'workdir', path: current().workdir });
        break;
      case 'RUN':
        current().steps.push({ kind: 'run', command: instruction.getArgumentsContent() ?? '', workdir: current().workdir, env: { ...current().env } });
        break;
      case 'COPY': {
        const from = flagsOf(instruction as Copy).from;
        const target = args.at(-1)!;
        current().steps.push({
          kind: 'copy',
          ...(from && { from }),
          sources: args.slice(0, -1),
          dest: posix.resolve(current().workdir, target),
          intoFolder: target.endsWith('/'),
        });
        break;
      }
      case 'USER':
        current().user = args[0];
        break;
      case 'EXPOSE':
        current().expose.push(...args);
        break;
      case 'VOLUME':
        current().volumes.push(...(JSON.parse(instruction.getArgumentsContent() ?? '[]') as string[]));
        break;
      case 'STOPSIGNAL':
        current().stopSignal = args[0];
        break;
      case 'HEALTHCHECK':
        current().healthcheck = { flags: flagsOf(instruction as Healthcheck), command: healthcheckCommand(instruction as Healthcheck) };
        break;
      case 'CMD':
        current().cmd = JSON.parse(instruction.getArgumentsContent() ?? '') as string[];
        break;
      default:
        throw new Error(`the stand-in builder does not know ${keyword}`);
    }
  }
  return stages;
}

/** A path in the image, as a path in the stage's folder. */
export const inStage = (stage: Stage, path: string) => join(stage.root, path);

/** ENV as a process in the stage's folder sees it: values that are absolute paths moved under its root. */
export const stageEnv = (stage: Stage, env: Record<string, string> = stage.env): Record<string, string> =>
  Object.fromEntries(Object.entries(env).map(([name, value]) => [name, isAbsolute(value) ? inStage(stage, value) : value]));

/**
 * Builds the stages in order from `context` (the build context's files): WORKDIR folders are made,
 * COPY copies from the context or an earlier stage's folder, RUN runs `sh -c` in the WORKDIR with
 * the stage's ENV at that line over `env`. The base image's Node is this machine's (Node 20 both).
 */
export async function buildStages(stages: Stage[], context: string, env: Record<string, string>): Promise<void> {
  const byName = new Map(stages.map((s) => [s.name, s]));
  for (const stage of stages) {
    await mkdir(stage.root, { recursive: true });
    for (const step of stage.steps) {
      if (step.kind === 'workdir') await mkdir(inStage(stage, step.path), { recursive: true });
      else if (step.kind === 'copy') {
        for (const source of step.sources) {
          const origin = step.from ? inStage(byName.get(step.from)!, source) : join(context, source);
          // `COPY a b ./` puts each in the folder; `COPY . .` and `COPY dir ./dest` copy contents.
          const target = step.intoFolder && source !== '.' ? join(inStage(stage, step.dest), posix.basename(source)) : inStage(stage, step.dest);
          await cp(origin, target, { recursive: true });
        }
      } else {
        // A path outside the stage's folder would act on this machine, not on the image.
        if (/(^|[\s=])\//.test(step.command)) throw new Error(`RUN with an absolute path cannot run in a stand-in folder: ${step.command}`);
        await run('sh', ['-c', step.command], {
          cwd: inStage(stage, step.workdir),
          env: { ...env, ...stageEnv(stage, step.env) },
          maxBuffer: 64 * 1024 * 1024,
        });
      }
    }
  }
}
