"""Generated sample data: the scenario behind `lurewatch demo`, and realistic mail for benchmarks."""
