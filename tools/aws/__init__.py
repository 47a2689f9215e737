"""The AWS side: the SAM template (evaluation, translation), the page's deployment, and
make deploy / make destroy."""
