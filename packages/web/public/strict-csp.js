// Zod (in @hangar/protocol) compiles parsers with `new Function` unless told not to. The
// server's Content-Security-Policy forbids eval (script-src 'self'), and even Zod's probe for it
// is reported as a violation. Zod reads this object when its module first runs, so it is set
// here, in a classic script that runs before any module script of the app.
globalThis.__zod_globalConfig = { ...globalThis.__zod_globalConfig, jitless: true };
