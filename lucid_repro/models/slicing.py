"""Some output channels of a convolution layer, computed alone (issue 29).

A channel objective at `conv4_2` reads one of 512 channels; the full layer computes all
512. `channel_slice(model, layer)` finds, in the Keras graph, the Conv2D that `layer`
comes from through channel-wise layers only (ReLU, a linear/ReLU Activation, max or
average pooling: each output channel depends on its own input channel), and returns a
`ConvSlice`: the conv's input tensor (what the sub-model outputs instead of `layer`) and
`apply(x, channels)`, which convolves with the kernel's chosen columns (a sliced kernel)
and runs the channel-wise layers on the result. `channels` is either a static tuple of
channel numbers (output [B, h, w, len(channels)]) or an int32 [B] tensor, one channel per
batch item (output [B, h, w, 1]: item b's own channel, the atlas).

Same weights, same op, same padding and strides: the channels' values equal the full
layer's up to float rounding (the order of the conv's sums; tests/optvis/test_slicing.py).
"""
import tensorflow as tf

from lucid_repro.models.graph import producing_call

# layers whose output channel c depends on input channel c only
CHANNELWISE = ("ReLU", "MaxPooling2D", "AveragePooling2D", "MaxPool2D", "AveragePool2D")
CHANNELWISE_ACTIVATIONS = ("linear", "relu")


def _producer(tensor):
    """(the layer that made `tensor`, its single input tensor in `tensor`'s graph), or None
    for what is missing (`graph.producing_call`)."""
    op, inputs = producing_call(tensor)
    return op, (inputs[0] if len(inputs) == 1 else None)


def _activation_name(layer):
    fn = getattr(layer, "activation", None)
    return getattr(fn, "__name__", None)


class ConvSlice:
    """Output channels of `conv` followed by the channel-wise layers `chain`."""

    def __init__(self, conv, chain, input_tensor):
        self.conv, self.chain = conv, tuple(chain)
        self.input = input_tensor          # the conv's input tensor in this graph (a KerasTensor)

    def apply(self, x, channels):
        conv = self.conv
        dtype = conv.compute_dtype
        kernel = tf.convert_to_tensor(conv.kernel)
        bias = tf.convert_to_tensor(conv.bias) if conv.use_bias else None
        per_item = not isinstance(channels, (tuple, list))
        index = tf.convert_to_tensor(channels, tf.int32)
        k = tf.cast(tf.gather(kernel, index, axis=3), dtype)
        y = tf.nn.convolution(tf.cast(x, dtype), k, strides=conv.strides, padding=conv.padding.upper(),
                              dilations=conv.dilation_rate)
        if per_item:
            # [B, h, w, B]: item b's channel is column b -> the diagonal, [B, h, w, 1]
            y = tf.expand_dims(tf.transpose(tf.linalg.diag_part(tf.transpose(y, [1, 2, 0, 3])), [2, 0, 1]), -1)
            if bias is not None:
                y = y + tf.cast(tf.reshape(tf.gather(bias, index), [-1, 1, 1, 1]), dtype)
        elif bias is not None:
            y = y + tf.cast(tf.gather(bias, index), dtype)
        y = conv.activation(y)
        for layer in self.chain:
            y = layer(y)
        return tf.cast(y, tf.float32)


def channel_slice(keras_model, layer):
    """A ConvSlice for output `layer` of `keras_model` (its output dict), or None when
    the layer is not a Conv2D's output through channel-wise layers."""
    tensor = keras_model.output.get(layer) if isinstance(keras_model.output, dict) else None
    chain = []
    while tensor is not None:
        op, op_input = _producer(tensor)
        if op is None or op_input is None:
            return None
        kind = type(op).__name__
        if kind == "Conv2D":
            if (op.groups != 1 or op.data_format != "channels_last"
                    or _activation_name(op) not in CHANNELWISE_ACTIVATIONS):
                return None
            return ConvSlice(op, reversed(chain), op_input)
        if kind in CHANNELWISE or (kind == "Activation" and _activation_name(op) in CHANNELWISE_ACTIVATIONS):
            if getattr(op, "data_format", "channels_last") != "channels_last":
                return None
            chain.append(op)
            tensor = op_input
            continue
        return None
    return None
