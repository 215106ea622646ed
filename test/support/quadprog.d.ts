// Minimal typing of the `quadprog` dev dependency (Goldfarb–Idnani dual method, 1-based arrays):
// minimizes ½xᵀDx − dᵀx subject to Aᵀx ≥ b0, the first `meq` constraints as equalities.
declare module 'quadprog' {
  export function solveQP(
    Dmat: number[][], dvec: number[], Amat: number[][], bvec: number[], meq?: number, factorized?: number[],
  ): { solution: number[]; value: number[]; iterations: number[]; iact: number[]; message: string };
  const _default: { solveQP: typeof solveQP };
  export default _default;
}
