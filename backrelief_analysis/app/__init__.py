"""The patient's app: ``backrelief app`` serves one page (``app.ipynb``, whose cells call
:mod:`backrelief_analysis.app.page`) with Voila, from :mod:`backrelief_analysis.app.server`."""
