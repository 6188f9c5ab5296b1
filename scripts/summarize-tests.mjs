#!/usr/bin/env node
// Summarizes one run of scripts/test.sh: the check steps (build, typecheck,
// lint, format) and vitest's JSON report. Each check step counts as one test.
// Prints failed and skipped tests by name, how many tests ran per store
// dialect, and ends with the line `tests: N passed, N failed`.
// Exits 1 when anything failed. Under CI=true a skipped test is a failure.
//
// Usage: node scripts/summarize-tests.mjs --checks FILE --vitest FILE --vitest-exit CODE
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';

const DIALECTS = ['sqlite', 'postgres'];
const SKIPPED = new Set(['skipped', 'pending', 'todo', 'disabled']);

const { values: args } = parseArgs({
  options: {
    checks: { type: 'string' },
    vitest: { type: 'string' },
    'vitest-exit': { type: 'string', default: '0' },
  },
});
const ci = process.env.CI === 'true';
const vitestExit = Number(args['vitest-exit']);

/** Check steps as written by test.sh: `name<TAB>passed|failed<TAB>seconds` per line. */
function readChecks(file) {
  if (!file || !existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [name = '?', status = 'failed', seconds = '0'] = line.split('\t');
      return { name, passed: status === 'passed', seconds: Number(seconds) };
    });
}

function readVitestReport(file) {
  if (!file || !existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    console.error(`summarize-tests: cannot parse ${file}: ${error.message}`);
    return undefined;
  }
}

function firstLine(text) {
  return String(text ?? '')
    .split('\n')
    .find((line) => line.trim() !== '')
    ?.trim();
}

const checks = readChecks(args.checks);
const report = readVitestReport(args.vitest);

const tests = [];
/** Failures that are not a single test: a file that failed to load, errors outside tests. */
const otherFailures = [];

if (report) {
  for (const file of report.testResults ?? []) {
    const path = relative(process.cwd(), file.name);
    const results = file.assertionResults ?? [];
    for (const t of results) {
      tests.push({
        name: [path, ...(t.ancestorTitles ?? []), t.title].join(' > '),
        fullName: t.fullName ?? '',
        status: t.status,
      });
    }
    if (file.status === 'failed' && !results.some((t) => t.status === 'failed')) {
      otherFailures.push(`${path}: ${firstLine(file.message) ?? 'failed to run'}`);
    }
  }
}

const passed = tests.filter((t) => t.status === 'passed');
const failed = tests.filter((t) => t.status === 'failed');
const skipped = tests.filter((t) => SKIPPED.has(t.status));

if (!report) {
  otherFailures.push(`vitest wrote no report (exit code ${vitestExit}); see its output above`);
} else if (tests.length === 0) {
  otherFailures.push('vitest ran no tests');
} else if (vitestExit !== 0 && failed.length === 0 && otherFailures.length === 0) {
  otherFailures.push(`vitest exited with code ${vitestExit} (errors outside tests; see its output above)`);
}

// Each dialect's suites must actually run: zero tests for one dialect while
// another ran means its suites were not generated or were filtered out.
const ran = [...passed, ...failed];
const perDialect = DIALECTS.map((d) => ({
  dialect: d,
  count: ran.filter((t) => t.fullName.includes(`[${d}]`)).length,
}));
const anyDialect = perDialect.some((d) => d.count > 0);
const silentDialects = anyDialect ? perDialect.filter((d) => d.count === 0).map((d) => d.dialect) : [];

const line = '-'.repeat(72);
console.log(`\n${line}\nsummary\n${line}`);

console.log('checks:');
for (const c of checks) console.log(`  ${c.passed ? 'PASS' : 'FAIL'}  ${c.name} (${c.seconds}s)`);

const failedChecks = checks.filter((c) => !c.passed);
const failureCount = failedChecks.length + failed.length + otherFailures.length;
if (failureCount > 0) {
  console.log(`\nfailed (${failureCount}):`);
  for (const c of failedChecks)
    console.log(`  FAIL  check: ${c.name} (its output is above, under "==> ${c.name}")`);
  for (const t of failed) console.log(`  FAIL  ${t.name}`);
  for (const f of otherFailures) console.log(`  FAIL  ${f}`);
}

if (skipped.length > 0) {
  const consequence = ci ? 'CI=true: each counts as a failure' : 'under CI=true each counts as a failure';
  console.log(`\nWARNING: ${skipped.length} skipped test(s) (${consequence}):`);
  for (const t of skipped) console.log(`  SKIP  ${t.name}${t.status === 'todo' ? ' (todo)' : ''}`);
}

console.log(`\nstore dialects: ${perDialect.map((d) => `${d.dialect} ${d.count}`).join(', ')}`);
if (silentDialects.length > 0) {
  const consequence = ci ? 'counted as a failure under CI=true' : 'a failure under CI=true';
  console.log(`WARNING: no [${silentDialects.join('], [')}] tests ran (${consequence})`);
}

if (report) {
  console.log(
    `vitest: ${passed.length} passed, ${failed.length} failed, ${skipped.length} skipped (report: ${relative(process.cwd(), args.vitest)})`,
  );
}

const totalPassed = passed.length + checks.length - failedChecks.length;
const totalFailed = failureCount + (ci ? skipped.length + silentDialects.length : 0);

console.log(`tests: ${totalPassed} passed, ${totalFailed} failed`);
process.exitCode = totalFailed > 0 ? 1 : 0;
