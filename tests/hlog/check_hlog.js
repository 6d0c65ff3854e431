#!/usr/bin/env node
// An independent reader of loadgen's --hlog files: HdrHistogram's own JavaScript port (hdr-histogram-js,
// installed by scripts/setup.sh with `npm ci` in this directory) reads the log with its HistogramLogReader,
// adds the interval histograms of each tag, and prints per tag the count, the percentiles (with the bounds of
// the bucket each falls in) and the max, as JSON on stdout, values in nanoseconds. Exit 77 (ctest: skipped)
// when the package is not installed, 1 when the log does not decode.
//   node tests/hlog/check_hlog.js FILE.hlog [FROM_S TO_S]   (optional range, seconds relative to BaseTime)
"use strict";
const fs = require("fs");
let hdr;
try {
  hdr = require("hdr-histogram-js");
} catch (e) {
  console.error("skipped: hdr-histogram-js not installed (run scripts/setup.sh, or npm ci in tests/hlog)");
  process.exit(77);
}
if (process.argv.length < 3) {
  console.error("usage: check_hlog.js FILE.hlog [FROM_S TO_S]");
  process.exit(2);
}
const text = fs.readFileSync(process.argv[2], "utf8");
const base = (text.match(/^#\[BaseTime: ([0-9.]+)/m) || [])[1];
if (base === undefined) {
  console.error("check_hlog.js: no #[BaseTime: ...] line");
  process.exit(1);
}
const from = process.argv.length > 4 ? Number(process.argv[3]) : -Infinity;
const to = process.argv.length > 4 ? Number(process.argv[4]) : Infinity;
const reader = new hdr.HistogramLogReader(text, 64);
const sums = {};
const intervals = {};
let h;
while ((h = reader.nextIntervalHistogram()) !== null) {
  const start = h.startTimeStampMsec / 1000 - Number(base);
  if (start < from - 1e-6 || start >= to - 1e-6) continue;
  if (!sums[h.tag]) {
    sums[h.tag] = hdr.build({ bitBucketSize: 64, lowestDiscernibleValue: 1, highestTrackableValue: 3600e9,
                              numberOfSignificantValueDigits: 2 });
    intervals[h.tag] = 0;
  }
  sums[h.tag].add(h);
  intervals[h.tag] += 1;
}
const out = {};
for (const [tag, s] of Object.entries(sums)) {
  const pct = {};
  for (const [name, p] of [["p50", 50], ["p90", 90], ["p99", 99], ["p999", 99.9]]) {
    const v = s.getValueAtPercentile(p);
    pct[name] = { value: v, bucket_low: s.lowestEquivalentValue(v), bucket_high: s.highestEquivalentValue(v) };
  }
  out[tag] = { intervals: intervals[tag], count: s.totalCount, max: s.maxValue, percentiles: pct };
}
if (Object.keys(out).length === 0) {
  console.error("check_hlog.js: no interval histogram in " + process.argv[2]);
  process.exit(1);
}
console.log(JSON.stringify(out, null, 1));
