from kubeward.cli import main

main()
