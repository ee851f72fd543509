"""The course kit: what the notebooks use beside the library itself.

    from minigrad_course import checks          # the exercises' self-checks: checks.check_...(your_function)
    from minigrad_course.viz import draw_graph  # computational graphs and a step-through backward pass

Modules: `checks`, `viz`, `explore` and `race` (the plain functions behind the
widgets), `diagnostics` (deep networks: gradient norms, sweeps), `digits_runs`,
`plots`, `widgets`, `figures` (saving the reusable figures), `tuning` (fair
comparisons: a learning-rate grid per arm, seeds, mean ± sd), `stored` (the
results of the sweeps in experiments/), `inputs`, `progress`, `envcheck`.

It uses the `course` extra (matplotlib, ipywidgets, tqdm); the library,
`minigrad`, needs NumPy alone.
"""
