// Notebook module
