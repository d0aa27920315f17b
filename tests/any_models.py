"""Small Keras models of every input kind issue 25 names, built in the tests (random
weights, no download): a 28 px grayscale CNN, a 4-band CNN, a 32 px CIFAR-like CNN, a tiny
ViT, a model of two inputs. `tests/scripts/test_any_model.py` and the matrix of
`tests/recipes/test_any_model_matrix.py` use them."""
import tensorflow as tf


def band_cnn(bands=4):
    L = tf.keras.layers
    tf.keras.utils.set_random_seed(1)
    return tf.keras.Sequential([tf.keras.Input((None, None, bands)), L.Conv2D(8, 3, activation="relu", name="conv1"),
                                L.Conv2D(8, 3, activation="relu", name="conv2"), L.GlobalAveragePooling2D(name="gap"),
                                L.Dense(3, name="logits")], name="band_cnn")


def two_input_model():
    L = tf.keras.layers
    tf.keras.utils.set_random_seed(2)
    pixels = tf.keras.Input((None, None, 1), name="pixels")
    meta = tf.keras.Input((2,), name="meta")
    x = L.Conv2D(4, 3, activation="relu", name="conv")(pixels)
    x = L.GlobalAveragePooling2D(name="gap")(x)
    x = L.Concatenate(name="joined")([x, L.Dense(4, name="meta_dense")(meta)])
    return tf.keras.Model([pixels, meta], L.Dense(3, name="logits")(x), name="two_inputs")


class ClassToken(tf.keras.layers.Layer):
    """Prepends a learned class token to [B, N, C] tokens (the test ViT's)."""

    def build(self, shape):
        self.token = self.add_weight(shape=(1, 1, shape[-1]), initializer="random_normal", name="token")

    def call(self, x):
        return tf.concat([tf.tile(self.token, [tf.shape(x)[0], 1, 1]), x], 1)


class TakeClassToken(tf.keras.layers.Layer):
    def call(self, x):
        return x[:, 0]


def tiny_vit(size=16, patch=4, width=8, blocks=2):
    """A tiny random-weight ViT: patch embedding, class token, position embedding, pre-norm
    blocks (2-head attention, MLP), the class token's logits."""
    L = tf.keras.layers
    tf.keras.utils.set_random_seed(3)
    image = tf.keras.Input((size, size, 3))
    g = size // patch
    x = L.Conv2D(width, patch, strides=patch, name="patch_embed")(image)
    x = L.Reshape((g * g, width), name="tokens")(x)
    x = ClassToken(name="cls")(x)
    x = L.Add(name="pos")([x, L.Embedding(g * g + 1, width, name="pos_embed")(tf.range(g * g + 1)[None])])
    for i in range(blocks):
        h = L.LayerNormalization(name=f"block{i}_ln1")(x)
        x = L.Add(name=f"block{i}_attn_out")([x, L.MultiHeadAttention(2, width // 2, name=f"block{i}_attn")(h, h)])
        h = L.Dense(2 * width, activation="gelu", name=f"block{i}_mlp1")(L.LayerNormalization(name=f"block{i}_ln2")(x))
        x = L.Add(name=f"block{i}_out")([x, L.Dense(width, name=f"block{i}_mlp2")(h)])
    logits = L.Dense(5, name="logits")(TakeClassToken(name="take_cls")(x))
    return tf.keras.Model(image, logits, name="tiny_vit")


def digit_cnn(size=28, classes=4):
    """An MNIST-like grayscale CNN with a Flatten head (a fixed 28 px input), random weights."""
    L = tf.keras.layers
    tf.keras.utils.set_random_seed(4)
    return tf.keras.Sequential([tf.keras.Input((size, size, 1)), L.Conv2D(8, 3, activation="relu", name="conv1"),
                                L.MaxPooling2D(name="pool1"), L.Conv2D(8, 3, activation="relu", name="conv2"),
                                L.MaxPooling2D(name="pool2"), L.Flatten(name="flatten"),
                                L.Dense(classes, name="logits")], name="digit_cnn")


def cifar_cnn(size=32, classes=10):
    """A CIFAR-like RGB CNN (two conv blocks, Flatten, dense head) of fixed 32 px input."""
    L = tf.keras.layers
    tf.keras.utils.set_random_seed(5)
    return tf.keras.Sequential([tf.keras.Input((size, size, 3)),
                                L.Conv2D(8, 3, padding="same", activation="relu", name="conv1"),
                                L.MaxPooling2D(name="pool1"),
                                L.Conv2D(16, 3, padding="same", activation="relu", name="conv2"),
                                L.MaxPooling2D(name="pool2"), L.Flatten(name="flatten"),
                                L.Dense(classes, name="logits")], name="cifar_cnn")
