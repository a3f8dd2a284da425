"""The project's own attribution model: training (``annotator train``) and the trained
pipeline component (``attribution_model``). Never imports textual."""
