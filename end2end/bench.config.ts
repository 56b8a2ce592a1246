import base from "./playwright.config";
import { defineConfig } from "@playwright/test";

// Browser benchmarks (scripts/bench.sh): numbers to write down, not pass/fail timings.
export default defineConfig({ ...base, testDir: "./bench", testMatch: /.*\.bench\.ts/, timeout: 300_000 });
