"""The main screen's widgets: function bar, code editor, event panel, result and log panes."""
