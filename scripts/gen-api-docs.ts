// Writes docs/api.md, the HTTP API reference, from src/api/docs.ts and the routes' zod schemas.
// Usage: npx tsx scripts/gen-api-docs.ts [--check]   (--check: exit 1 if the file is out of date)
import { renderApiDocs } from '../src/api/docs.js';
import { writeOrCheck } from './generated-file.js';

writeOrCheck('docs/api.md', renderApiDocs(), 'scripts/gen-api-docs.ts');
