import { availableParallelism, cpus, platform, arch } from 'node:os';

/**
 * What the benchmark ran on, printed above its numbers: ratios travel between machines, absolute
 * times do not.
 */

/**
 * The machine and runtime.
 *
 * @example
 * const { node, cpuModel, cores } = machineInfo()
 */
export interface MachineInfo {
  node: string;
  cpuModel: string;
  /** Logical cores this process may use. */
  cores: number;
  platform: string;
}

/**
 * Reads node version, CPU model, core count and platform.
 *
 * @example
 * machineInfo() // { node: 'v20.20.2', cpuModel: 'AMD EPYC 7B13', cores: 2, platform: 'linux x64' }
 */
export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    node: process.version,
    // Some containers report no CPUs or a blank model.
    cpuModel: list[0]?.model.trim() || 'unknown CPU',
    cores: availableParallelism(),
    platform: `${platform()} ${arch()}`,
  };
}
