// tfjs-backend-wasm competitors (same process): an MLP training step through
// `optimizer.minimize` and a matMul, on synthetic data.

type Tf = typeof import('@tensorflow/tfjs-core');

let loading: Promise<Tf | undefined> | undefined;

/** tfjs-core with the WebAssembly backend active, or undefined when it cannot load here. */
export function loadTfWasm(): Promise<Tf | undefined> {
  if (!loading) {
    loading = (async () => {
      try {
        const tf = await import('@tensorflow/tfjs-core');
        await import('@tensorflow/tfjs-backend-wasm');
        registerGradients(tf);
        if (!(await tf.setBackend('wasm'))) return undefined;
        await tf.ready();
        return tf;
      } catch {
        return undefined;
      }
    })();
  }
  return loading;
}

/**
 * tfjs-core's Node bundle registers no gradients (the `@tensorflow/tfjs` union package does,
 * from ES modules Node cannot load here), so the three the MLP needs are registered here:
 * MatMul (untransposed forward), Add with a broadcast bias, ReLU. The loss has its own
 * customGrad below.
 */
function registerGradients(tf: Tf): void {
  if (!tf.getGradient(tf.BatchMatMul)) {
    tf.registerGradient({
      kernelName: tf.BatchMatMul,
      inputsToSave: ['a', 'b'],
      gradFunc: (dy, saved) => {
        const [a, b] = saved as import('@tensorflow/tfjs-core').Tensor2D[];
        const g = dy as import('@tensorflow/tfjs-core').Tensor2D;
        return { a: () => tf.matMul(g, b!, false, true), b: () => tf.matMul(a!, g, true, false) };
      },
    });
  }
  if (!tf.getGradient(tf.Add)) {
    tf.registerGradient({
      kernelName: tf.Add,
      inputsToSave: ['a', 'b'],
      gradFunc: (dy, saved) => {
        const g = dy as import('@tensorflow/tfjs-core').Tensor;
        const fit = (x: import('@tensorflow/tfjs-core').Tensor) => () => (x.rank === g.rank ? g : tf.reshape(tf.sum(g, 0), x.shape));
        return { a: fit(saved[0]!), b: fit(saved[1]!) };
      },
    });
  }
  if (!tf.getGradient(tf.Relu)) {
    tf.registerGradient({
      kernelName: tf.Relu,
      inputsToSave: ['x'],
      gradFunc: (dy, saved) => ({ x: () => tf.mul(dy as import('@tensorflow/tfjs-core').Tensor, tf.cast(tf.greater(saved[0]!, 0), 'float32')) }),
    });
  }
}

/** ReLU MLP + softmax CE + Adam(1e-3) in tfjs; `step()` runs one `optimizer.minimize`. */
export function tfMlp(tf: Tf, sizes: number[], batch: number, x: Float32Array, y: Int32Array) {
  const vars: import('@tensorflow/tfjs-core').Variable[] = [];
  for (let l = 1; l < sizes.length; l++) {
    const a = 1 / Math.sqrt(sizes[l - 1]!);
    vars.push(tf.variable(tf.randomUniform([sizes[l - 1]!, sizes[l]!], -a, a, 'float32', l)));
    vars.push(tf.variable(tf.randomUniform([sizes[l]!], -a, a, 'float32', 100 + l)));
  }
  const xs = tf.tensor2d(x, [batch, sizes[0]!]);
  const ys = tf.oneHot(tf.tensor1d(y, 'int32'), sizes[sizes.length - 1]!);
  const opt = tf.train.adam(1e-3);
  const L = sizes.length - 1;
  // Mean softmax cross-entropy with its analytic gradient (softmax − onehot)/B.
  const ce = tf.customGrad((logits, save) => {
    const z = logits as import('@tensorflow/tfjs-core').Tensor2D;
    const lse = tf.logSumExp(z, 1);
    const value = tf.div(tf.sum(tf.sub(lse, tf.sum(tf.mul(ys, z), 1))), batch);
    (save as import('@tensorflow/tfjs-core').GradSaveFunc)([z]);
    return {
      value: value as import('@tensorflow/tfjs-core').Scalar,
      gradFunc: (dy, saved) => tf.mul(dy, tf.div(tf.sub(tf.softmax(saved[0]!), ys), batch)),
    };
  });
  const loss = () => {
    let h: import('@tensorflow/tfjs-core').Tensor = xs;
    for (let l = 0; l < L; l++) {
      h = tf.add(tf.matMul(h, vars[2 * l]!), vars[2 * l + 1]!);
      if (l < L - 1) h = tf.relu(h);
    }
    return ce(h) as import('@tensorflow/tfjs-core').Scalar;
  };
  return {
    step(): void {
      opt.minimize(loss, false, vars);
    },
    /** Current loss (for checking that the competitor really trains). */
    lossValue(): number {
      return tf.tidy(() => loss().dataSync()[0]!);
    },
    dispose(): void {
      opt.dispose();
      for (const v of vars) v.dispose();
      xs.dispose();
      ys.dispose();
    },
  };
}
