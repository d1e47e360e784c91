"""Measured accuracy: ask a datasource a set of questions with gold SQL and class every answer.

`questions` reads a set (JSON Lines or CSV) or another question source,
`compare` decides whether two results are the same answer, `runner` asks each
question through the answer pipeline without writing anyone's history, and
`report` prints and saves the outcome. `manage.py evaluate` drives them.
"""
