# The course in two commands:   make lab   (set up and open JupyterLab)
#                               make test  (set up and run every test and notebook)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NBVAL  := --nbval --nbval-current-env --nbval-sanitize-with notebooks/sanitize.cfg
JOBS   ?= 2

.PHONY: setup lab test test-fast test-gpu test-notebooks execute student solutions bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[course,test]"
	touch $(STAMP)

setup: $(STAMP)                       ## create .venv with the library, the course and the test tools

# JupyterLab refuses to start as root unless told to (containers, some workshop machines).
LAB_ARGS ?= $(if $(filter 0,$(shell id -u)),--allow-root)

lab: $(STAMP)                         ## open the course in JupyterLab
	$(BIN)/jupyter lab $(LAB_ARGS) notebooks/00_welcome.ipynb

test: $(STAMP)                        ## unit tests, then every notebook compared with nbval
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile tests
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile $(NBVAL) notebooks

test-fast: $(STAMP)                   ## the unit tests only
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile tests -m "not slow"

test-gpu: $(STAMP)                    ## the GPU tests only (they skip, with the reason, without a GPU)
	$(BIN)/python -m pytest tests -m gpu -rs

test-notebooks: $(STAMP)              ## nbval over the notebooks only (NB=notebooks/03_*.ipynb for one)
	$(BIN)/python -m pytest $(NBVAL) $(or $(NB),notebooks)

execute: $(STAMP)                     ## re-execute notebooks in place: all, or NB=notebooks/03_*.ipynb
	$(BIN)/python tools/execute_notebooks.py $(or $(NB),notebooks)

student: $(STAMP)                     ## build the student edition (exercises blank) into student/
	$(BIN)/python tools/editions.py student --out student

solutions: $(STAMP)                   ## write each notebook's reference solutions to solutions/*.py
	$(BIN)/python tools/editions.py solutions --out solutions

bench: $(STAMP)                       ## the CPU benchmarks (results in bench/results/)
	$(BIN)/python -m pip install --quiet micrograd
	$(BIN)/python bench/mlp.py
	$(BIN)/python bench/scalar.py
	$(BIN)/python bench/course.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
