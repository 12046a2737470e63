// Types of bench/blas.mjs for the tests (test/bench-blas.test.ts).

export interface CpuFeatures {
  vendor: string;
  flags: Set<string>;
  source: string;
}
export function cpuFeatures(sources?: { cpuinfo?: string | null; sysctl?: (() => { vendor: string; features: string } | null) | null }): CpuFeatures | null;
export function openblasCoreFor(cpu: CpuFeatures | null): string | null;
export function decidingFeature(cpu: CpuFeatures | null): string | null;
export function parseOpenblasCore(stderr: string | null | undefined): string | null;
export function torchComparability(run: { blas: string | null; core: string | null; cpu: CpuFeatures | null }): { comparable: boolean; reason?: string; note?: string };
