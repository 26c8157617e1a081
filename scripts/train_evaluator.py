"""Retrains the GAN evaluator shipped in dlkit/assets, reproducibly.

    python scripts/train_evaluator.py            # about 15 minutes on 2 CPU cores

Trains `dlkit.evaluation.gan.build_evaluator()` on the Fashion-MNIST training
set (seed 0, 5,000 images held out for early stopping), checks its test
accuracy, and writes the weights and a card (accuracy, seed, epochs, library
versions, SHA-256 of the weights) next to each other.
"""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

EPOCHS = 15
SEED = 0
MIN_TEST_ACCURACY = 0.93


def main():
    import keras
    import numpy as np
    import tensorflow as tf

    import dlkit
    from dlkit import data, evaluation, saving
    from dlkit.evaluation import gan as gan_metrics
    from dlkit.families.common import split_validation

    dlkit.set_seed(SEED)
    (x_train, y_train), (x_test, y_test) = data.load_fashion_mnist()
    (x_fit, y_fit), (x_val, y_val) = split_validation(x_train, y_train, 5000, SEED)
    model = gan_metrics.build_evaluator()
    steps = EPOCHS * int(np.ceil(len(x_fit) / 128))
    model.compile(optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(2e-3, steps)),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(
        data.make_image_dataset(x_fit, y_fit, 128, seed=SEED),
        validation_data=data.make_image_dataset(x_val, y_val, 512, shuffle=False),
        epochs=EPOCHS, shuffle=False, verbose=2,
        callbacks=[keras.callbacks.EarlyStopping("val_accuracy", patience=4, restore_best_weights=True,
                                                 mode="max")],
    )
    seconds = time.perf_counter() - start
    accuracy = evaluation.accuracy(y_test, evaluation.predict_classes(model, data.scale_images(x_test)))
    print(f"test accuracy {accuracy:.4f} after {seconds:.0f} s")
    if accuracy < MIN_TEST_ACCURACY:
        raise SystemExit(f"test accuracy {accuracy:.4f} is below {MIN_TEST_ACCURACY}; weights not written")
    gan_metrics.ASSETS.mkdir(parents=True, exist_ok=True)
    # Copy into an uncompiled twin so the file holds the weights only, not
    # the optimizer's moment estimates (a third of the size).
    shipped = gan_metrics.build_evaluator()
    shipped.set_weights(model.get_weights())
    # Weights first, then the card with their SHA-256, each replaced whole:
    # load_evaluator refuses weights whose checksum the card does not record.
    with saving.atomic_path(gan_metrics.EVALUATOR_WEIGHTS) as tmp:
        shipped.save_weights(tmp)
    card = {
        "test_accuracy": round(accuracy, 4),
        "seed": SEED,
        "epochs": EPOCHS,
        "train_seconds": round(seconds, 1),
        "parameters": int(model.count_params()),
        "feature_layer": gan_metrics.FEATURE_LAYER,
        "config": gan_metrics.EVALUATOR_CONFIG,
        "versions": {"tensorflow": tf.__version__, "keras": keras.__version__},
        "weights_sha256": saving.sha256_of(gan_metrics.EVALUATOR_WEIGHTS),
    }
    saving.write_json(gan_metrics.EVALUATOR_CARD, card)
    print(saving.to_strict_json(card), end="")


if __name__ == "__main__":
    main()
