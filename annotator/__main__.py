from annotator.cli import main

if __name__ == "__main__":  # not again in the worker processes Dask or multiprocessing spawn
    main()
