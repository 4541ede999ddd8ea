"""The audit trail at the edge: the follower and checkpoint signer wired to the platform
(``trail``), and the export an auditor verifies offline (``files``, ``report_files``)."""
