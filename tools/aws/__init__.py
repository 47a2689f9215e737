"""The AWS side: the SAM template (evaluation, translation) and the page's deployment."""
