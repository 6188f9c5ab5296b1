import { describe, expect, it } from 'vitest';
import { BUILTIN_TEMPLATES } from './schema.js';

// People choose a template in the New workspace dialog by its description: plain sentences about
// what the workspace can reach, not the names of drivers, scripts or paths.
describe('the built-in templates’ descriptions', () => {
  it.each(Object.entries(BUILTIN_TEMPLATES))(
    '%s is written for users, in whole sentences',
    (_name, template) => {
      expect(template.description).toMatch(/^[A-Z].*\.$/);
      expect(template.description).not.toMatch(/bubblewrap|podman|rootfs|scripts\/|\.sh\b|proxy|API/i);
    },
  );
});
