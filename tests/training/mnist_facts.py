"""MNIST's published class counts (LeCun et al.): facts about the data set itself,
independent of any file, digest or figure in this repository."""

TRAIN_LABEL_COUNTS = (5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949)
TEST_LABEL_COUNTS = (980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009)
