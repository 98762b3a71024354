/**
 * Tuning for Serf's network coordinates: a Vivaldi embedding (Dabek et al.,
 * "Vivaldi: A Decentralized Network Coordinate System", SIGCOMM 2004) with the
 * height vector from that paper, plus the latency filter and gravity of Ledlie
 * et al., "Network Coordinates in the Wild" (NSDI 2007) and the adjustment term
 * of Lee et al., "On Suitability of Euclidean Embedding for Host-Based Network
 * Coordinate Systems" (IEEE/ACM ToN 2010).
 *
 * Distances here are in seconds, not milliseconds: coordinates travel between
 * Serf nodes in seconds, and keeping the same unit inside the math lets our
 * coordinates be compared bit for bit with Serf's.
 *
 * @module
 */

/**
 * Parameters of the coordinate algorithm. Every node of a cluster must use the
 * same `dimensionality`, or their coordinates cannot be compared.
 *
 * @example A client in two dimensions
 * ```ts
 * import assert from "node:assert/strict";
 * import { type CoordinateConfig, CoordinateClient, DEFAULT_COORDINATE_CONFIG } from "../../mod.ts";
 *
 * const config: CoordinateConfig = { ...DEFAULT_COORDINATE_CONFIG, dimensionality: 2 };
 * const client = new CoordinateClient(config);
 * assert.equal(client.getCoordinate().vec.length, 2);
 * assert.throws(() => new CoordinateClient({ ...config, dimensionality: 0 }), RangeError);
 * ```
 */
export interface CoordinateConfig {
  /**
   * Number of Euclidean dimensions. Ledlie et al. found accuracy improves with
   * dimensions up to a point; Serf settled on 8 plus a non-Euclidean height.
   * @default {8}
   */
  dimensionality: number;
  /**
   * Error estimate of a node that has made no observation yet, and the cap on
   * the error afterwards (dimensionless).
   * @default {1.5}
   */
  vivaldiErrorMax: number;
  /**
   * Vivaldi's `ce`: the largest share of a node's error one observation may
   * replace (Dabek et al., section 3.4).
   * @default {0.25}
   */
  vivaldiCE: number;
  /**
   * Vivaldi's `cc`: the largest fraction of the prediction error one
   * observation may move a node's coordinate by (Dabek et al., section 3.4).
   * @default {0.25}
   */
  vivaldiCC: number;
  /**
   * Samples kept to compute the adjustment term (Lee et al.); 0 disables it.
   * @default {20}
   */
  adjustmentWindowSize: number;
  /**
   * Smallest height, in seconds. Heights must stay positive, so this small
   * floor adds a little error; keep it well below real latencies.
   * @default {10e-6}
   */
  heightMin: number;
  /**
   * Round-trip samples kept per peer; Vivaldi sees their median, which rides
   * out one-off spikes without adding much delay (Ledlie et al., section 5).
   * @default {3}
   */
  latencyFilterSize: number;
  /**
   * Gravity's rho, in seconds: the pull toward the origin grows as
   * (distance / rho)^2, which stops the whole cluster's coordinates drifting
   * away together (Ledlie et al., section 6).
   * @default {150}
   */
  gravityRho: number;
}

/**
 * Serf's defaults (`coordinate.DefaultConfig()`): not tuned to a particular
 * network, good for LAN and WAN alike. Frozen; use
 * {@linkcode defaultCoordinateConfig} for a copy to modify.
 *
 * @example
 * ```ts
 * import { DEFAULT_COORDINATE_CONFIG } from "./config.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(DEFAULT_COORDINATE_CONFIG.dimensionality, 8);
 * ```
 */
export const DEFAULT_COORDINATE_CONFIG: Readonly<CoordinateConfig> = Object.freeze({
  dimensionality: 8, // 8 dimensions plus height, per Ledlie et al.
  vivaldiErrorMax: 1.5, // start unsure, so the first observations move us a lot
  vivaldiCE: 0.25, // Dabek et al.'s recommended error weight
  vivaldiCC: 0.25, // Dabek et al.'s recommended timestep
  adjustmentWindowSize: 20, // enough samples to average out noise per node
  heightMin: 10e-6, // 10 µs: far below any real round trip
  latencyFilterSize: 3, // median of 3 drops single spikes
  gravityRho: 150, // 150 s: gravity only matters for coordinates far out
});

/**
 * Returns a fresh, mutable copy of Serf's default coordinate configuration.
 *
 * @example
 * ```ts
 * import { defaultCoordinateConfig } from "./config.ts";
 * import assert from "node:assert/strict";
 *
 * const config = defaultCoordinateConfig();
 * config.dimensionality = 2;
 * assert.equal(defaultCoordinateConfig().dimensionality, 8);
 * ```
 */
export function defaultCoordinateConfig(): CoordinateConfig {
  return { ...DEFAULT_COORDINATE_CONFIG };
}
