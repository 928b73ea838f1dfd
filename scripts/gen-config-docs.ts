// Writes docs/config.md, the vigil.yaml reference, from the schema in src/config/schema.ts.
// Usage: npx tsx scripts/gen-config-docs.ts [--check]   (--check: exit 1 if the file is out of date)
import { renderConfigDocs } from '../src/config/docs.js';
import { writeOrCheck } from './generated-file.js';

writeOrCheck('docs/config.md', renderConfigDocs(), 'scripts/gen-config-docs.ts');
