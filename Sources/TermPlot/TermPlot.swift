// TermPlot module
