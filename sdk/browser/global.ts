/**
 * The script-tag build (`dist/touchpoint.min.js`): the core tracker only — page, track, identify,
 * batching, the IndexedDB queue, retry and unload delivery. The snippet in `snippet.html` loads it.
 */
import { createTracker } from './index';
import { installGlobal } from './install-global';

installGlobal(createTracker);
