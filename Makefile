# The course in two commands:   make lab   (set up and open JupyterLab)
#                               make test  (set up and run every test and notebook)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NBVAL  := --nbval --nbval-current-env --nbval-sanitize-with notebooks/sanitize.cfg
JOBS   ?= 2

.PHONY: setup lab test test-fast test-notebooks execute check-notebooks clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[course,test]"
	touch $(STAMP)

setup: $(STAMP)                       ## create .venv with the library, the course and the test tools

lab: $(STAMP)                         ## open the course in JupyterLab
	$(BIN)/jupyter lab notebooks/00_welcome.ipynb

test: $(STAMP)                        ## unit tests, then every notebook compared with nbval
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile tests
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile $(NBVAL) notebooks

test-fast: $(STAMP)                   ## the unit tests only
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile tests -m "not slow"

test-notebooks: $(STAMP)              ## nbval over the notebooks only (NB=notebooks/03_*.ipynb for one)
	$(BIN)/python -m pytest $(NBVAL) $(or $(NB),notebooks)

execute: $(STAMP)                     ## re-execute notebooks in place: all, or NB=notebooks/03_*.ipynb
	$(BIN)/python tools/execute_notebooks.py $(or $(NB),notebooks)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
