// Autograd module
