// NeuralNet module
