"""The contract CNN of examples/cnn_digits.dl in Keras, over seeds: how often does Keras
itself reach 0.97 test accuracy on the digits with this model and this protocol?

    ~/.venvs/dl-peers/bin/python bench/cnn_digits_seeds.py [FIRST LAST]   (default 0 20)

Per seed s: scikit-learn's stratified train_test_split (train_size 0.8, random_state=s),
keras.utils.set_random_seed(s), the model and settings of examples/cnn_digits.dl (Rescaling
1/16, conv 16 3x3 same relu, maxpool 2, conv 32 3x3 same relu, maxpool 2, flatten, dense 64
relu, dense 10 softmax; Adam 0.001, batch 32, 20 epochs, validation_split 0.1), then the test
accuracy. bench/cnn_digits_seeds.sh runs this beside dl's own seeds.
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

tf.config.threading.set_intra_op_parallelism_threads(1)
first, last = (int(sys.argv[1]), int(sys.argv[2])) if len(sys.argv) == 3 else (0, 20)
d = load_digits()
X, y = d.images.astype(np.float32)[..., None], d.target
L = keras.layers
res = []
for s in range(first, last):
    xtr, xte, ytr, yte = train_test_split(X, y, train_size=0.8, stratify=y, random_state=s)
    keras.utils.set_random_seed(s)
    m = keras.Sequential([
        keras.Input((8, 8, 1)), L.Rescaling(1 / 16),
        L.Conv2D(16, 3, padding="same", activation="relu"), L.MaxPooling2D(2),
        L.Conv2D(32, 3, padding="same", activation="relu"), L.MaxPooling2D(2),
        L.Flatten(), L.Dense(64, activation="relu"), L.Dense(10, activation="softmax")])
    m.compile(loss="sparse_categorical_crossentropy",
              optimizer=keras.optimizers.Adam(0.001), metrics=["accuracy"])
    m.fit(xtr, ytr, epochs=20, batch_size=32, validation_split=0.1, verbose=0)
    acc = m.evaluate(xte, yte, verbose=0)[1]
    res.append(acc)
    print(f"keras seed {s}: test accuracy {acc:.4f}", flush=True)
print(f"keras: median {np.median(res):.4f}, min {min(res):.4f}, max {max(res):.4f}, "
      f"{sum(r < 0.97 for r in res)} of {len(res)} below 0.97")
