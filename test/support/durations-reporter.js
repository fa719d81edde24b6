/** A jest reporter: every test file's duration, slowest first, so a slow file is visible. */
class DurationsReporter {
  onRunComplete(_contexts, results) {
    const rows = results.testResults
      .map((r) => ({ file: r.testFilePath.replace(`${process.cwd()}/`, ''), ms: r.perfStats.end - r.perfStats.start, failed: r.numFailingTests > 0 || !!r.testExecError }))
      .sort((a, b) => b.ms - a.ms);
    const total = rows.reduce((n, r) => n + r.ms, 0);
    process.stderr.write(`\nTest files by duration (sum ${(total / 1000).toFixed(1)} s):\n`);
    for (const r of rows) process.stderr.write(`  ${(r.ms / 1000).toFixed(1).padStart(6)} s  ${r.file}${r.failed ? '  (failed)' : ''}\n`);
  }
}
module.exports = DurationsReporter;
