// Loaded with `node --import` into a benchmarked process: at exit, writes its own peak RSS and CPU
// time to $BENCH_PROBE_FILE (the only way to get a child's peak RSS without /usr/bin/time).
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_PROBE_FILE;
if (file !== undefined && file !== '') {
  process.on('exit', () => {
    const u = process.resourceUsage();
    const probe = {
      maxRssMb: u.maxRSS / 1024,
      cpuSeconds: (u.userCPUTime + u.systemCPUTime) / 1e6,
    };
    writeFileSync(file, JSON.stringify(probe));
  });
}
