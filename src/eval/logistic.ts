/**
 * A tiny weighted logistic regression (batch gradient descent, L2), enough to fit the handful of
 * weights of the abstention policy reproducibly without a machine-learning dependency.
 */
export interface Example {
  x: number[];
  y: 0 | 1;
  weight: number;
}

export interface LogisticModel {
  weights: number[];
  bias: number;
}

export function fitLogistic(
  examples: Example[],
  options: { l2?: number; steps?: number; rate?: number } = {},
): LogisticModel {
  const { l2 = 1e-3, steps = 4000, rate = 0.5 } = options;
  const dims = examples[0]?.x.length ?? 0;
  const weights = new Array<number>(dims).fill(0);
  let bias = 0;
  const total = examples.reduce((s, e) => s + e.weight, 0);
  for (let step = 0; step < steps; step++) {
    const grad = new Array<number>(dims).fill(0);
    let gradBias = 0;
    for (const e of examples) {
      const error = (predict({ weights, bias }, e.x) - e.y) * e.weight;
      for (let d = 0; d < dims; d++) grad[d] += error * e.x[d];
      gradBias += error;
    }
    for (let d = 0; d < dims; d++) weights[d] -= rate * (grad[d] / total + l2 * weights[d]);
    bias -= (rate * gradBias) / total;
  }
  return { weights, bias };
}

export function predict(model: LogisticModel, x: number[]): number {
  let z = model.bias;
  for (let d = 0; d < x.length; d++) z += model.weights[d] * x[d];
  return 1 / (1 + Math.exp(-z));
}
