import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The import boundaries refuse what they should. (A resolver that cannot find a file makes the
// rule silently pass everything, so `npm run lint` passing proves nothing without this.)
const eslint = new ESLint({ cwd: import.meta.dirname });
const boundaryErrors = async (filePath: string, code: string) =>
  (await eslint.lintText(code, { filePath }))[0]!.messages.filter((m) => m.ruleId === 'import-x/no-restricted-paths').map((m) => m.message);

describe('the import boundaries', () => {
  it.each([
    ['collector/log/example.ts', "import { createNdjsonSink } from '../sinks/ndjson';", 'the log knows records, not who writes or reads them'],
    ['collector/sinks/example.ts', "import { openLog } from '../log';", 'a sink is given records'],
    ['collector/records/example.ts', "import { createIngest } from '../pipeline/ingest';", 'records are what the log and the sinks share'],
    ['collector/pipeline/example.ts', "import { openSinks } from '../sinks';", 'the pipeline takes events to the log'],
    ['collector/routes/example.ts', "import { createApp } from '../app';", 'routes hand requests to the pipeline'],
    ['collector/state/example.ts', "import { ndjson } from '../log/stream-log';", 'shared state'],
    ['sdk/core/example.ts', "import { browserContext } from '../browser/context';", 'sdk/core runs on every platform'],
    ['sdk/protocol/example.ts', "import { createTracker } from '../core';", 'sdk/protocol is the wire format'],
    ['sdk/browser/example.ts', "import { createCollector } from '../../collector/app';", 'the browser SDK ships on its own'],
    ['collector/app-part.ts', "import { createTracker } from '../sdk/core/tracker';", 'the collector shares sdk/protocol'],
  ])('refuses in %s: %s', async (filePath, code, message) => {
    expect(await boundaryErrors(filePath, `${code}\n`)).toEqual([expect.stringContaining(message)]);
  });

  it.each([
    ['collector/log/example.ts', "import { ndjson } from '../records';"],
    ['collector/sinks/example.ts', "import type { Sink } from '../records/sink';"],
    ['collector/pipeline/example.ts', "import type { Log } from '../log';"],
    ['collector/server-part.ts', "import { VERSION } from '../sdk/core/version';"],
    ['collector/log/example.test.ts', "import { createCollector } from '../app';"],
  ])('allows in %s: %s', async (filePath, code) => {
    expect(await boundaryErrors(filePath, `${code}\n`)).toEqual([]);
  });
});
