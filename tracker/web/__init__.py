"""The review desk: a web application on the registry for reviewers, data leads and finance
(`tracker serve`)."""
