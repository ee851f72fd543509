# The course in two commands:   make lab   (set up, then open the learner's edition in JupyterLab)
#                               make test  (set up, then run every test and notebook)
# `make help` lists every command with what it does.
PYTHON  ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
NBVAL   := --nbval --nbval-current-env --nbval-sanitize-with notebooks/sanitize.cfg
JOBS    ?= 2
STUDENT := student

.DEFAULT_GOAL := help
.PHONY: help setup lab lab-instructor student solutions test test-fast test-gpu test-notebooks test-browser \
        execute nbgrader bench clean

help:                                 ## list the commands
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# --- environments: .venv, with only what each command needs --------------------------------------

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.course: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[course]"
	touch $@

$(VENV)/.test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[course,test,grading]"
	touch $@

$(VENV)/.browser: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[course,test,browser]"
	touch $@

setup: $(VENV)/.test                  ## create .venv with the library, the course, and the test and grading tools

# --- the course in JupyterLab ----------------------------------------------------------------------

# The lab opens at the project root (README, figures and the library are browsable), with this
# project's settings from .jupyter/ (no news pop-up). Root needs --allow-root (containers, some
# workshop machines). LAB_ARGS adds options, e.g. make lab LAB_ARGS="--no-browser --port 8890".
LAB_ARGS ?=
LAB := JUPYTER_CONFIG_PATH="$(CURDIR)/.jupyter$(if $(JUPYTER_CONFIG_PATH),:$(JUPYTER_CONFIG_PATH))" \
       $(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" $(if $(filter 0,$(shell id -u)),--allow-root)

lab: $(VENV)/.course                  ## learners: your edition (exercises blank), made in student/ on first use
	$(BIN)/python tools/editions.py student --out $(STUDENT) --keep-existing
	$(LAB) --LabApp.default_url=/lab/tree/$(STUDENT)/notebooks/00_welcome.ipynb $(LAB_ARGS)

lab-instructor: $(VENV)/.course       ## teachers: the instructor edition (notebooks/, solutions in)
	$(LAB) --LabApp.default_url=/lab/tree/notebooks/00_welcome.ipynb $(LAB_ARGS)

student: $(VENV)/.course              ## (re)build student/; refuses if it holds a learner's work
	$(BIN)/python tools/editions.py student --out $(STUDENT)

solutions: $(VENV)/.course            ## each notebook's reference solutions, with their imports, in solutions/
	$(BIN)/python tools/editions.py solutions --out solutions

nbgrader: $(VENV)/.test               ## an nbgrader course from the instructor notebooks, in nbgrader/
	$(BIN)/python tools/nbgrader_export.py --out nbgrader

# --- tests -----------------------------------------------------------------------------------------

# tools/skip_summary.py ends each run with one line: how many tests were skipped, and why.
PYTEST := PYTHONPATH=tools $(BIN)/python -m pytest -p skip_summary

test: $(VENV)/.test                   ## the unit tests and every notebook compared with nbval, in one run
	$(PYTEST) -n $(JOBS) --dist loadfile $(NBVAL) tests notebooks

test-fast: $(VENV)/.test              ## the unit tests only, without the slow ones
	$(PYTEST) -n $(JOBS) --dist loadfile tests -m "not slow"

test-gpu: $(VENV)/.test               ## the GPU tests only (they skip, with the reason, without a GPU)
	$(PYTEST) tests -m gpu -rs

test-notebooks: $(VENV)/.test         ## nbval over the notebooks only (NB=notebooks/03_*.ipynb for one)
	$(PYTEST) $(NBVAL) $(or $(NB),notebooks)

test-browser: $(VENV)/.browser        ## JupyterLab in headless Chromium: run each widget notebook, move a control
	$(PYTEST) -p no:cacheprovider -m browser -rs tests/browser

execute: $(VENV)/.test                ## re-execute notebooks in place: all, or NB=notebooks/03_*.ipynb
	$(BIN)/python tools/execute_notebooks.py $(or $(NB),notebooks)

bench: $(VENV)/.test                  ## the CPU benchmarks (results in bench/results/)
	$(BIN)/python -m pip install --quiet micrograd
	$(BIN)/python bench/mlp.py
	$(BIN)/python bench/scalar.py
	$(BIN)/python bench/conv.py
	$(BIN)/python bench/course.py

clean:                                ## remove .venv and the test caches (student/ and your work stay)
	rm -rf $(VENV) .pytest_cache .hypothesis
