"""Training-side helpers shared by the model recipes (may import TensorFlow)."""
